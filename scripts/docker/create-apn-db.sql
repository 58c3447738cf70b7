-- The engine's own database, beside Temporal's (docker-compose only).
CREATE DATABASE apn;
