"""Reference solution of exercise ch14_train_step (CI puts it into the exercise cell and runs the chapter)."""


def train_step(model, x, y, loss_fn, optimizer):
    model.zero_grad()
    predictions = model(x, training=True)
    loss = loss_fn(y, predictions)
    loss.backward()
    weights = model.trainable_weights
    optimizer.apply([w.value.grad for w in weights], weights)
    return float(loss)
