"""The meeting room: the facilitator's console and the projected empty chair."""
