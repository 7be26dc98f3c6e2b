"""Response-time commitments: first-response targets per plan and severity, counted in each
organization's business hours, stored on the ticket as timestamps so every process agrees."""
