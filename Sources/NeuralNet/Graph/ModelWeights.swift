extension Model {
    /// Every weight array as Keras's `model.get_weights()` lists them: layer by layer in model order, each
    /// layer's trainable arrays then its state (BatchNormalization's moving statistics).
    public func getWeights() -> [Tensor] { layers.flatMap { $0.getWeights() } }

    /// Sets every weight array, as Keras's `model.set_weights()`: as many arrays as ``getWeights()`` gives, each
    /// of its shape; nothing changes when one does not fit.
    public func setWeights(_ weights: [Tensor]) throws {
        let targets = layers.flatMap(\.weights)
        guard weights.count == targets.count else {
            throw ModelError.invalidData("model \(name) has \(targets.count) weight arrays, given \(weights.count)")
        }
        for (parameter, tensor) in zip(targets, weights) where parameter.shape != tensor.shape {
            throw ModelError.shapeMismatch(parameter: parameter.name, expected: parameter.shape, found: tensor.shape)
        }
        for (parameter, tensor) in zip(targets, weights) { try parameter.assign(tensor) }
    }

    /// The layer called `name`, as Keras's `model.get_layer(name)`; throws naming the model's layers when none is.
    public func layer(named name: String) throws -> Layer {
        guard let layer = layers.first(where: { $0.name == name }) else {
            throw ModelError.invalidData("model \(self.name) has no layer named \(name) (its layers: \(layers.map(\.name).joined(separator: ", ")))")
        }
        return layer
    }
}

extension Layer {
    /// The layer's weight arrays as Keras's `layer.get_weights()` lists them: trainable, then state.
    public func getWeights() -> [Tensor] { weights.map(\.tensor) }

    /// Sets the layer's weight arrays, as Keras's `layer.set_weights()`: as many as ``getWeights()`` gives, each
    /// of its shape; nothing changes when one does not fit.
    public func setWeights(_ values: [Tensor]) throws {
        guard values.count == weights.count else {
            throw ModelError.invalidData("layer \(name) has \(weights.count) weight arrays, given \(values.count)")
        }
        for (parameter, tensor) in zip(weights, values) where parameter.shape != tensor.shape {
            throw ModelError.shapeMismatch(parameter: parameter.name, expected: parameter.shape, found: tensor.shape)
        }
        for (parameter, tensor) in zip(weights, values) { try parameter.assign(tensor) }
    }
}
