"""Reference solution of exercise ch14_dense_layer (CI puts it into the exercise cell and runs the chapter)."""

from tinygrad_edu import keras


class MyDense(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, x):
        return keras.ops.relu(keras.ops.matmul(x, self.kernel) + self.bias)
