"""Drawing feature maps, Qt-free: layouts, levels, mosaics, colour tables and colour schemes.

The window's views and the headless ``filter`` command both draw through
these modules, so an exported grid looks exactly like the screen:
:mod:`~explorer.core.render.layout` (where tiles go),
:mod:`~explorer.core.render.levels` (colour ranges),
:mod:`~explorer.core.render.mosaic` (tiles into one image),
:mod:`~explorer.core.render.luts` (colour tables, colouring as pyqtgraph does),
:mod:`~explorer.core.render.colour_maps` (the schemes a user picks) and
:mod:`~explorer.core.render.inputs` (the array shapes they accept).
"""
