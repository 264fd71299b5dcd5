"""Reference solution of exercise ch01b_topo_sort (CI puts it into the exercise cell and runs the chapter)."""


def topo_sort(root):
    order, visited = [], set()

    def visit(node):
        if id(node) not in visited:
            visited.add(id(node))
            for parent in node._prev:
                visit(parent)
            order.append(node)

    visit(root)
    return order
