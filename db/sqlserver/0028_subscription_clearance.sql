-- A subscription carries at most what the admin who registered it was cleared for: the URL and the secret are that
-- admin's to name. Registering needs a clearance that covers the audience's ceiling, but a ceiling an operator raised
-- afterwards was carried whole: an admin cleared NR registered INDUSTRY (ceiling NR), INDUSTRY was raised to NS, and
-- its NS editions went to the URL the NR admin chose. cleared_to is the registering admin's clearance; deliveries
-- go out up to the lower of it and the audience's ceiling now, and what is above is withheld, on record, as after a
-- lowered ceiling. Subscriptions registered before keep the ceiling their audience has now (what registering them
-- was judged against, the last time it was).
ALTER TABLE subscriptions ADD cleared_to INT NULL;
GO

UPDATE subscriptions SET cleared_to = (SELECT a.max_classification FROM audiences a WHERE a.code = subscriptions.audience);
