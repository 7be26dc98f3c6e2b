"""Storage plumbing shared by every package: engine, base model, unit of work, migrations."""
