"""Table Storage persistence, in four rooms:

* ``ports/``: what the services depend on (the repository protocols, the items they hand
  over, ids, summary sums, sweep, claim and secret stores). Nothing outside storage needs more.
* ``layout/``: the key design, one module per kind of row (keys, indexes, summaries,
  history_rows, deliveries, entities = how a referral or profile becomes a Table entity).
* ``queries/``: listings read through index rows, shared by every store.
* ``tables/``: the Azure Table and Queue adapters behind the ports.

The in-memory implementations live with the tests (tests/fakes/).

Key design (a written decision; change it only with a migration plan):

* ``Referrals`` table, PartitionKey = partner tenant id. Every partner query (list, insights,
  a point read) touches one partition, and an action's state change and its outbox rows
  share a partition so they commit in one entity-group transaction.
  - referral rows: RowKey = referral id = ``r`` + 13-digit *inverted* epoch milliseconds +
    10 random chars. Ascending RowKey order is therefore newest first, which is the order
    the listing wants; paging continues with ``RowKey gt <last id>``, so a page never repeats
    or skips while the set is unchanged.
  - outbox rows: RowKey = ``o`` + event id, written in the same transaction as the change.
  - index rows (``x|...`` order rows, ``w|<word>|<id>`` and ``e|<hash>|<id>`` search rows):
    every listing, filter, sort and search is a RowKey range over them, written in the same
    transaction as their referral (layout/indexes.py has the design and the per-referral bound).
  - summary rows (``u|t|...`` deltas written with each change, folded into ``u|y|<month>``
    month sums and ``u|a|<day>`` running sums within a month): insights read these, never
    the referrals (layout/summaries.py).
  - a referral row carries ``ix`` once its index and summary rows exist; older rows get them
    from ``python -m tools.reindex`` (idempotent).
* ``Profiles`` table, PartitionKey = partner tenant id, RowKey = ``profile``.
* ``ExpiryIndex`` table, PartitionKey = due day ``YYYYMMDD``, RowKey = ``<partner>|<id>``,
  property ``expiresDateTime``, written before the referral itself. The daily sweep reads only
  partitions up to today, so its cost follows what is due, not the table size, and enqueues
  only rows due by its own moment (rows written before they carried the moment are taken as
  due; the worker decides, as it did for every row before). A row whose referral is gone or already
  answered is stale and is simply deleted.
* ``ReminderIndex`` table, PartitionKey = hour bucket ``YYYYMMDDHH`` of the referral's
  expiry, RowKey = ``<partner>|<id>``, property ``expiresDateTime``; written with the expiry
  row. The hourly reminder timer reads partitions up to the hour ``RESPONSE_REMINDER_BEFORE``
  ahead and filters on ``expiresDateTime``; rows go once reminded, or once stale. Keyed by
  expiry rather than by reminder time, so a changed lead time applies to every referral.
* Both sweeps fan out (services/fanout.py, sweep_worker.py): the timer enqueues the index rows
  in batches; a worker reads one partner's referrals of a batch with one range query from
  its smallest to its largest id (ids are arrival times: see tables/sweeps.py, TableBatchReads),
  writes them in ``update_many`` transactions, and deletes index rows only after that.
* ``OutboxIndex`` table, PartitionKey = hour bucket ``YYYYMMDDHH``, RowKey = ``<partner>|<event>``,
  written before the transaction that creates the outbox row and deleted once the event is
  settled. It lets the sweep find events left pending (a crash between commit and enqueue)
  without scanning every partition.
"""
