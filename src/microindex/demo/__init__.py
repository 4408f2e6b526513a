"""The demo shop: a London ceramics maker with a shopfront, a locker and a van."""
