"""func.Blueprint modules: parse -> call one service -> map the result."""
