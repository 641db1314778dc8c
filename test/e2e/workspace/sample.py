"""Fixture for the end-to-end tests: a small Python module with gaps to fill."""


def add(a, b):
    return a + b


def scale(values, factor):
    first = HOLE
    second = HOLE
    return [v * factor for v in values]


def greet(name):
    message = "hello " + name
    return message
