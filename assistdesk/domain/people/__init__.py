"""Customer contacts, support agents and the agents' API tokens."""
