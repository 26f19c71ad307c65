DROP TABLE attempt_failures;
