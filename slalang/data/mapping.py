class Mapping:  # placeholder until mapping.py lands
    pass


def load_mapping(path):
    raise NotImplementedError

