"""The portal's own writes (the signed-in user's account), one module per concept."""
