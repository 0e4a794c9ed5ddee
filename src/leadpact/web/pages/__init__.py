"""What each page shows, read from the domains' tables and services: one module per page, no HTTP in here.

Each function takes `visible`, the principal's row filter for handoff queries (`access.visible_handoffs` bound to
the principal), so a page never lists a handoff its reader may not see."""
