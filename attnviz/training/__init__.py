"""Training the bundled translators: the date task's data (dates), the character vocabulary (char_vocab) and the loop (train).

Nothing here runs at import; ``scripts/train_seq2seq.py`` and the app's "Train it yourself" page call it.
"""
