"""Data sets for the nets experiments: generated here or read from files the user provides."""

from .affine import AffineDigits, load_affine_digits, random_affine, transform_images
from .affnist import load_affnist, pad_mnist, read_affnist_mat
from .digits import DigitsSplit, load_digits_split
from .mnist import load_fashion_mnist, load_idx, load_mnist
from .nbody import NBodyData, NBodyParams, load_nbody
from .synthetic import SyntheticTask, cosine_similarity, modified_inertia, motion, se3_distance

__all__ = [
    "NBodyParams",
    "NBodyData",
    "load_nbody",
    "DigitsSplit",
    "load_digits_split",
    "load_fashion_mnist",
    "load_idx",
    "load_mnist",
    "AffineDigits",
    "load_affine_digits",
    "random_affine",
    "transform_images",
    "load_affnist",
    "read_affnist_mat",
    "pad_mnist",
    "SyntheticTask",
    "modified_inertia",
    "cosine_similarity",
    "se3_distance",
    "motion",
]
