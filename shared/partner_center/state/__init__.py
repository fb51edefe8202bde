"""What the connector keeps: the connection (and its sealed refresh token), the pending
sign-ins, the shared request-rate schedule (the ``PartnerCenter`` table) and the
``partner-center-sync`` work queue."""
