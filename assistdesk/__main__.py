from assistdesk.cli.main import main

main()
