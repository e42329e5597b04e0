-- Runs once, when the postgres container initialises an empty volume (as POSTGRES_USER, in
-- POSTGRES_DB = qupersync, the target + state database). The second database plays Redshift:
-- the data-api container serves it through the Redshift Data API wire protocol.
CREATE DATABASE warehouse;
