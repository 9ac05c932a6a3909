-- Operators may tell waiting shoppers why admission is paused; the message lives with the pause. NULL: none.
ALTER TABLE drops ADD COLUMN admission_pause_message text
  CHECK (char_length(admission_pause_message) BETWEEN 1 AND 200);
