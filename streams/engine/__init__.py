"""Pure contact-centre rules: contacts, KPI contributions, FCR, totals, time. No I/O here."""
