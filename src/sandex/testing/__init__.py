"""Testing bots and integrations against sandex: the pytest plugin (`plugin`), a threaded server
(`server`), the handles its fixtures hand out (`handles`, `inprocess`, `targets`), and a clock moved by
hand for code driven in-process (`clock`)."""
