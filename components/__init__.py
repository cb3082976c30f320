"""ComponentResources of container-platform and the pure helpers beside them.

Components take typed args and a regional provider through ``opts``; they never read
config, create providers or look at the ambient region.
"""
