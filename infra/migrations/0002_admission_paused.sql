-- Operators pause and resume a drop's admission; the setting lives with the drop's other admission settings.
ALTER TABLE drops ADD COLUMN admission_paused boolean NOT NULL DEFAULT false;
