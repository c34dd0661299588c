"""Several sandex processes on one database (`sandex serve --role api|sequencer`, `--workers N`):
one sequencer writes, API processes forward commands to it over NATS and keep replicas of the
exchange from the batches it publishes (docs/architecture.md, decision 7)."""
