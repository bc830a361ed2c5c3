"""Feed ingest: adapters turn outside formats into events; the pipeline validates, stores and relays them."""
