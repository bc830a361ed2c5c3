"""Each capability's services in one place: ``build`` makes them when the server starts and ``background``
names the jobs that run beside it, so the composition root (rtcc.app) wires a capability in two lines."""
