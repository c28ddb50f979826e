// Recurrent cells' elementwise work, a row (sample) at a time so that each row's gates stay in L1 between the
// activations and the products that read them. Uses activation_loops (elementwise.h).

// One LSTM step after its gate products. `gates` holds `rows` rows (`width` apart) of pre-activations in Keras's
// order, input, forget, candidate and output gate (`units` each), and is left holding their activations:
// `gate_kind` for the three gates, `kind` for the candidate. Then, per unit, carry = forget · previous carry +
// input · candidate, activated = kind(carry) and state = output · activated, each `rows` rows of `units`.
void CK_VARIANT(ck_lstm_cell)(int gate_kind, int kind, float *gates, long width, const float *previous_carry,
                              float *carry, float *activated, float *state, long rows, long units) {
    for (long r = 0; r < rows; r++) {
        float *g = gates + r * width;
        activation_loops(gate_kind, g, g, 1, 2 * units);
        activation_loops(kind, g + 2 * units, g + 2 * units, 1, units);
        activation_loops(gate_kind, g + 3 * units, g + 3 * units, 1, units);
        const float *restrict input = g, *restrict forget = g + units, *restrict candidate = g + 2 * units;
        const float *restrict output = g + 3 * units, *restrict before = previous_carry + r * units;
        float *restrict next = carry + r * units, *restrict squashed = activated + r * units, *restrict h = state + r * units;
        for (long u = 0; u < units; u++) next[u] = forget[u] * before[u] + input[u] * candidate[u];
        activation_loops(kind, next, squashed, 1, units);
        for (long u = 0; u < units; u++) h[u] = output[u] * squashed[u];
    }
}

// One GRU step with `reset_after`, after the recurrent product. `gates` holds `rows` rows (`width` apart) of
// the input side's pre-activations in Keras's order, update, reset and candidate (`units` each), `product`
// the previous state's product with the recurrent kernel plus its bias, the same layout. Per row: the update
// and reset gates get their product and `gate_kind`; the candidate's product is kept in `kept` (rows of
// `units`), scaled by the reset gate and added to the candidate, which gets `kind`; gates are left activated.
// Then state = update · previous + (1 - update) · candidate.
void CK_VARIANT(ck_gru_cell)(int gate_kind, int kind, float *gates, const float *product, long width, const float *previous,
                             float *kept, float *state, long rows, long units) {
    for (long r = 0; r < rows; r++) {
        float *restrict g = gates + r * width;
        const float *restrict p = product + r * width;
        float *restrict k = kept + r * units;
        for (long u = 0; u < 2 * units; u++) g[u] += p[u];
        for (long u = 0; u < units; u++) k[u] = p[2 * units + u];
        activation_loops(gate_kind, g, g, 1, 2 * units);
        const float *restrict reset = g + units;
        float *restrict candidate = g + 2 * units;
        for (long u = 0; u < units; u++) candidate[u] += reset[u] * k[u];
        activation_loops(kind, candidate, candidate, 1, units);
        const float *restrict update = g, *restrict before = previous + r * units;
        float *restrict h = state + r * units;
        for (long u = 0; u < units; u++) h[u] = update[u] * before[u] + (1.0f - update[u]) * candidate[u];
    }
}
