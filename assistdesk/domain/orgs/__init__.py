"""Customer organizations, their support plan, email domains and on-request chat features."""
