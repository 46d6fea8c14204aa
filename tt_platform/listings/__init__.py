"""What demands (技术需求) and results (科技成果) share: columns, lifecycle, visibility, browsing."""
