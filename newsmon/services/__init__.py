"""Services: the pipeline put together with the database (store, search, alerts, health, checks)."""
