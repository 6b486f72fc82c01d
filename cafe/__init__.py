"""World Café, live.

The package root stays empty on purpose: `import cafe.rotation` (the mixing engine) or
`cafe.clock` must work without Flask or Socket.IO installed. The web application is built by
`cafe.app.create_app`.
"""
