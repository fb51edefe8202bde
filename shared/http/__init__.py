"""The HTTP edge every route shares, in the order a request meets it: ``pipeline`` (authenticate,
authorise, run the action, map failures), ``call`` (a ``Route`` row and the ``Call`` its action
reads the request through), ``query_parameters`` (listing filters and paging), ``errors`` (the
contract's envelope), ``bodies`` (response models), ``responses`` (JSON and error responses),
``csv_export`` and ``repeatability_headers`` (intake retries). No route lives here: see
shared/routes/ and shared/route_table.py."""
