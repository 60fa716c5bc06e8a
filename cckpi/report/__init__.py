"""``cckpi report``'s files: the monthly SLA report an outsourcing client receives (HTML, PDF or
CSV) in its language, a command's output drawn from :class:`streams.engine.monthly.MonthlyReport`."""
