from medusa_sync.cli.main import run

run()
