"""Every write on deliverables, one module per topic: roadmaps (editing,
submission, adoption), rendering (PDF jobs), transversal notes."""
