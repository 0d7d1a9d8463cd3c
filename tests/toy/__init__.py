"""A third supplier, defined only here: the proof that a supplier is one package and one
registration (`create_app(settings, (*SUPPLIERS, TOY))`), with no change outside its package."""
