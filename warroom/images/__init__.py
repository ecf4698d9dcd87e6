"""The pictures the pack ships, drawn here so that an export needs nothing but the repository's own files.

``icon`` draws the integration's logo pixel by pixel, ``playbook`` each playbook's picture on a ``canvas``
(labelled in the bitmap ``font``); ``png`` encodes both.
"""
