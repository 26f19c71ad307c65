DROP TABLE weighting_log;
DROP TABLE weightings;
