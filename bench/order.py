"""In which order the cases run in each turn: every case right after every other one equally often.

A case pays for what the one before it leaves behind (the stores' writes
after the token endpoint's burst of new tokens, the workers' garbage), so no
case may always follow the same one. Turning a fixed order round each turn
moves every case through every position but keeps its predecessor: in
a b c d e, b c d e a, ... (a) always follows (e). A Williams design does
balance it: over its sequences (n of them for n cases, 2n when n is odd)
each case directly follows each other case the same number of times.
"""


def williams_orders(count: int) -> list[list[int]]:
    """Orders of range(count) in which every index directly follows every other one equally often."""
    # First order 0, 1, n-1, 2, n-2, ...: its steps, taken mod n, are all different.
    first, low, high = [0], 1, count - 1
    while low <= high:
        first.append(low)
        low += 1
        if low <= high:
            first.append(high)
            high -= 1
    orders = [[(index + shift) % count for index in first] for shift in range(count)]
    if count % 2:
        # With n odd, no n orders can balance it; the n shifts and their reverses do (each pair twice).
        orders += [order[::-1] for order in orders]
    return orders


def order_of_turn(cases: list, turn: int) -> list:
    """The cases in the order turn number `turn` (from 0) runs them."""
    orders = williams_orders(len(cases))
    return [cases[index] for index in orders[turn % len(orders)]]
