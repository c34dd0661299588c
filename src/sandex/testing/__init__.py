"""Testing bots and integrations against sandex: the pytest plugin (`plugin`), a threaded server
(`server`), and the handles its fixtures hand out (`handles`, `inprocess`, `targets`)."""
