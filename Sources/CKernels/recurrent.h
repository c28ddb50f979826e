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
