"""Table Storage persistence.

Key design (a written decision; change it only with a migration plan):

* ``Referrals`` table, PartitionKey = partner tenant id. Every partner query (list, insights,
  a point read) touches one partition, and an action's state change and its outbox rows
  share a partition so they commit in one entity-group transaction.
  - referral rows: RowKey = referral id = ``r`` + 13-digit *inverted* epoch milliseconds +
    10 random chars. Ascending RowKey order is therefore newest first, which is the order
    the listing wants; paging continues with ``RowKey gt <last id>``, so a page never repeats
    or skips while the set is unchanged.
  - outbox rows: RowKey = ``o`` + event id, written in the same transaction as the change.
* ``Profiles`` table, PartitionKey = partner tenant id, RowKey = ``profile``.
* ``ExpiryIndex`` table, PartitionKey = due day ``YYYYMMDD``, RowKey = ``<partner>|<id>``,
  written before the referral itself. The daily sweep reads only partitions up to today, so
  its cost follows what is due, not the table size. A row whose referral is gone or already
  answered is stale and is simply deleted.
* ``OutboxIndex`` table, PartitionKey = hour bucket ``YYYYMMDDHH``, RowKey = ``<partner>|<event>``,
  written before the transaction that creates the outbox row and deleted once the event is
  settled. It lets the sweep find events left pending (a crash between commit and enqueue)
  without scanning every partition.
"""
