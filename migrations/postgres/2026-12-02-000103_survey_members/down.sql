DROP TABLE survey_members;
