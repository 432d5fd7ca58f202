"""Everything that serving an exported artifact needs, and nothing that needs TensorFlow.

`preprocessing` turns image bytes into model pixels, `artifact` reads an artifact folder's metadata,
`runtimes` is the registry of model runtimes (file, loader, converter, pip extra), `classifier` ranks classes
for images, `quality` warns of pictures too dark, too bright, blurred or too small, `machine` says how many
CPUs a runtime may use, and `logs` holds the one log format. The API and its container image depend on this
subpackage only; training, evaluation, export and conversion live beside it in `skin_classifier`.
"""
