DEMO_PASSWORD = "demo-casusregie-2026"  # noqa: S105 - demo mode only, printed on start
