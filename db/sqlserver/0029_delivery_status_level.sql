-- A subscription's delivery status is shown to admins whose clearance may be below what some deliveries carried: after
-- an audience's ceiling is lowered (CTS to NR), an admin cleared NR manages its subscriptions, and the time of the last
-- delivery, or a failure since some time with its error, may be those of an NS edition sent before. Each is kept with
-- the highest marking the delivery behind it could carry (the level of the view it was queued in, or the lower
-- ceiling it was judged against and sent within), and shown only to admins cleared to it. Status recorded before this
-- script has no such level: it is taken as COSMIC TOP SECRET (4), so only admins cleared to it see it until the next
-- delivery or failure records its own.
ALTER TABLE subscriptions ADD last_delivered_level INT NULL, failing_level INT NULL;
GO

UPDATE subscriptions SET last_delivered_level = CASE WHEN last_delivered_at IS NULL THEN NULL ELSE 4 END,
                         failing_level = CASE WHEN failing_since IS NULL THEN NULL ELSE 4 END;
