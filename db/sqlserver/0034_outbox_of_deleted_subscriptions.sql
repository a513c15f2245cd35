-- A deleted subscription's outbox rows were kept when it was deleted: nothing delivers, redelivers or counts them again,
-- and the store only grew. A delete now removes them (WebhookStore.SetStateAsync); those a delete left before are
-- removed here.
DELETE FROM webhook_outbox WHERE subscription_id IN (SELECT id FROM subscriptions WHERE state = 'deleted');
