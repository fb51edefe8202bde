"""Functions that no HTTP request starts: the timers (expiry sweep, reminders, outbox
redispatch) and the queue functions (sweep batches, notification delivery), in triggers.py.
Listed in the route table (shared/route_table.py) like the HTTP routes."""
