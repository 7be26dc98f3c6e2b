from assistdesk.cli.main import main

# Guarded: `serve --workers N` spawns its processes, which import this module again as __mp_main__.
if __name__ == "__main__":
    main()
