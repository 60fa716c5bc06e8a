-- Guarantees: a live contact's copies of its events survive a restart (kpis.md, conflicting
-- duplicates): a record of each event id's counting copy (its rank and content digest, hex) and the
-- events that hold no slot (JSON), so a copy that arrives after the restart is settled as before it.
-- Rows written before this migration read as empty: their copies were never recorded.
ALTER TABLE contacts ADD COLUMN copies String DEFAULT '';
ALTER TABLE contacts ADD COLUMN spares String DEFAULT '';
