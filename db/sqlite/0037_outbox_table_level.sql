-- Who may see that a subscription's delivery of a capability table is waiting or was made (its pending count, its
-- last delivery time, its failure): an admin cleared to every figure the table was computed from. One cleared to less
-- may be one the several-nations rule keeps from the table (CapabilityStore.Sql.Readable), to whom a delivery that no
-- event it reads explains says that a table it may not read was published. table_level is that highest marking, kept
-- with the outbox row when it is queued (null: not a table's event); rows waiting now get theirs here.
ALTER TABLE webhook_outbox ADD COLUMN table_level INTEGER NULL;

UPDATE webhook_outbox SET table_level = (
    SELECT MAX(th.classification)
    FROM feed_events f JOIN capability_tables ct ON ct.id = f.subject_id CROSS JOIN capability_targets th
    WHERE f.view_id = webhook_outbox.view_id AND f.seq = webhook_outbox.seq AND f.subject = 'table'
      AND th.cycle = ct.cycle AND th.id <= ct.target_snapshot AND NOT EXISTS (
          SELECT 1 FROM capability_targets tn
          WHERE tn.cycle = th.cycle AND tn.nation = th.nation AND tn.capability = th.capability AND tn.horizon = th.horizon
            AND tn.id > th.id AND tn.id <= ct.target_snapshot))
WHERE delivered_at IS NULL;
